(self.siteSearchData=self.siteSearchData||{})["w/j"]={"terms":"jurgen"};
