(self.siteSearchData=self.siteSearchData||{})["x/ju"]={"df":"02","terms":"jurgen"};
