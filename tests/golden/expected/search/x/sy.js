(self.siteSearchData=self.siteSearchData||{})["x/sy"]={"df":"01","terms":"synthesi"};
