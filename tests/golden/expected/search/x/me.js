(self.siteSearchData=self.siteSearchData||{})["x/me"]={"df":"02","terms":"messag"};
